package store

import (
	"fmt"
	"net/http"
)

var (
	defaultPort = 8080
	carts       = map[string]*Cart{}
)

type fixedPricer struct{ price float64 }

func (f fixedPricer) PriceOf(string) float64 { return f.price }
func (f fixedPricer) Currency() string      { return "EUR" }

func cartFor(owner Owner) *Cart {
	if c, ok := carts[owner]; ok {
		return c
	}
	c := NewCart(owner)
	carts[owner] = c
	return c
}

func Handler(w http.ResponseWriter, r *http.Request) {
	c := cartFor(r.URL.Query().Get("owner"))
	if err := c.Add(r.URL.Query().Get("sku"), 1); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%.2f", float64(c.Total(fixedPricer{1.5})))
}

func Serve() error {
	http.HandleFunc("/add", Handler)
	return http.ListenAndServe(fmt.Sprintf(":%d", defaultPort), nil)
}
