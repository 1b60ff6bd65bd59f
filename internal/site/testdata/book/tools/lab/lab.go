// Package lab is a tool that the fixture book quotes.
package lab

import "fmt"

// Forward says where it forwards.
func Forward() {
	fmt.Println("こんにちは、lab")
}
