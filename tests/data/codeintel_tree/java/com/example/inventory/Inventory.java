package com.example.inventory;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** Stock levels per SKU. */
public class Inventory implements Stocked {
    public static final int MAX_STOCK = 1000;
    private final Map<String, Integer> stock = new HashMap<>();

    public Inventory() {
        this(Map.of());
    }

    public Inventory(Map<String, Integer> initial) {
        stock.putAll(initial);
    }

    @Override
    public int level(String sku) {
        return stock.getOrDefault(sku, 0);
    }

    public Optional<Integer> take(String sku, int n) throws OutOfStock {
        int have = level(sku);
        if (have < n) {
            throw new OutOfStock(sku, n - have);
        }
        stock.put(sku, have - n);
        return Optional.of(have - n);
    }

    static class OutOfStock extends Exception {
        OutOfStock(String sku, int missing) {
            super(sku + " is short by " + missing);
        }
    }

    enum Unit { PIECE, KILO }

    record Entry(String sku, int level) {
        Entry {
            if (level < 0) throw new IllegalArgumentException("negative");
        }
    }
}
