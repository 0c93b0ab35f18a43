use crate::Item;

pub fn price_of(sku: &str) -> f64 {
    match sku {
        "apple" => 0.5,
        "pear" => 0.75,
        _ => 0.0,
    }
}

pub fn total(items: &[Item]) -> f64 {
    items.iter().map(|i| price_of(&i.sku) * i.quantity as f64).sum()
}

pub struct Wrapper<T>(pub T);

impl<T> Wrapper<T> {
    pub fn inner(self) -> T {
        self.0
    }
}
