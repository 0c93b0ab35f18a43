package com.example.inventory;

public interface Stocked {
    int level(String sku);

    default boolean inStock(String sku) {
        return level(sku) > 0;
    }
}

@interface Audited {
    String by() default "system";
}
