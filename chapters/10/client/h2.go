package main

import "context"

func fetchH2(ctx context.Context, p *printer, d *dialer, rs []*result) error { return nil }
