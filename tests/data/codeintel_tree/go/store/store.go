// Package store keeps carts in memory.
package store

import (
	"errors"
	"sync"
)

const MaxItems = 100

var ErrFull = errors.New("cart is full")

type Item struct {
	SKU      string
	Quantity int
}

type Cart struct {
	mu    sync.Mutex
	Owner string
	Items []Item
}

type Pricer interface {
	PriceOf(sku string) float64
	Currency() string
}

type Owner = string

type Total float64

func NewCart(owner Owner) *Cart {
	return &Cart{Owner: owner}
}

func (c *Cart) Add(sku string, qty int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.Items) >= MaxItems {
		return ErrFull
	}
	c.Items = append(c.Items, Item{SKU: sku, Quantity: qty})
	return nil
}

func (c *Cart) Total(p Pricer) Total {
	var t Total
	for _, it := range c.Items {
		t += Total(p.PriceOf(it.SKU) * float64(it.Quantity))
	}
	return t
}
