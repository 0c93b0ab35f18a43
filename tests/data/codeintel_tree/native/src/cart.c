#include <string.h>
#include "cart.h"

static int count_visits = 0;

int cart_add(Cart *cart, const char *sku, double price, int quantity)
{
    if (cart->count >= MAX_ITEMS)
        return -1;
    Item *it = &cart->items[cart->count++];
    it->sku = sku;
    it->price = price;
    it->quantity = quantity;
    return 0;
}

double cart_total(const Cart *cart)
{
    double total = 0;
    for (size_t i = 0; i < cart->count; i++)
        total += ITEM_TOTAL(&cart->items[i]);
    return total;
}

Item *cart_find(Cart *cart, const char *sku)
{
    for (size_t i = 0; i < cart->count; i++)
        if (strcmp(cart->items[i].sku, sku) == 0)
            return &cart->items[i];
    return NULL;
}

static char **split_words(char *line)
{
    (void)line;
    return NULL;
}

void cart_each(const Cart *cart, item_visitor visit, void *arg)
{
    for (size_t i = 0; i < cart->count; i++) {
        count_visits++;
        if (visit(&cart->items[i], arg))
            break;
    }
    (void)split_words;
}
