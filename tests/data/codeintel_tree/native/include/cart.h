#ifndef CART_H
#define CART_H

#include <stddef.h>

#define MAX_ITEMS 100
#define ITEM_TOTAL(it) ((it)->price * (it)->quantity)

struct item {
    const char *sku;
    double price;
    int quantity;
};

typedef struct item Item;

typedef struct {
    Item items[MAX_ITEMS];
    size_t count;
} Cart;

union value {
    int i;
    double d;
};

enum status { OPEN, PAID };

typedef int (*item_visitor)(const Item *it, void *arg);

int cart_add(Cart *cart, const char *sku, double price, int quantity);
double cart_total(const Cart *cart);
Item *cart_find(Cart *cart, const char *sku);
void cart_each(const Cart *cart, item_visitor visit, void *arg);

#endif
