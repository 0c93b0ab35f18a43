//! Cart bookkeeping.
use std::collections::HashMap;
use std::fmt;

pub mod pricing;

pub const MAX_ITEMS: usize = 100;
static GREETING: &str = "hello";

pub type Sku = String;

#[derive(Debug, Clone)]
pub struct Item {
    pub sku: Sku,
    pub quantity: u32,
}

pub enum CartError {
    Full,
    Unknown(Sku),
}

pub union Bits {
    pub i: u32,
    pub f: f32,
}

pub trait Priced {
    fn price(&self) -> f64;
    fn discounted(&self, rate: f64) -> f64 {
        self.price() * (1.0 - rate)
    }
}

#[derive(Default)]
pub struct Cart {
    items: Vec<Item>,
    index: HashMap<Sku, usize>,
}

impl Cart {
    pub fn new() -> Self {
        Cart::default()
    }

    pub fn add(&mut self, item: Item) -> Result<(), CartError> {
        if self.items.len() >= MAX_ITEMS {
            return Err(CartError::Full);
        }
        self.index.insert(item.sku.clone(), self.items.len());
        self.items.push(item);
        Ok(())
    }
}

impl Priced for Item {
    fn price(&self) -> f64 {
        pricing::price_of(&self.sku) * self.quantity as f64
    }
}

impl<T: Priced> Priced for Vec<T> {
    fn price(&self) -> f64 {
        self.iter().map(|p| p.price()).sum()
    }
}

impl fmt::Display for CartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CartError::Full => write!(f, "{}: full", GREETING),
            CartError::Unknown(s) => write!(f, "unknown {}", s),
        }
    }
}

macro_rules! item {
    ($sku:expr, $q:expr) => {
        Item { sku: $sku.to_string(), quantity: $q }
    };
}

extern "C" {
    fn abs(input: i32) -> i32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_items() {
        let mut c = Cart::new();
        assert!(c.add(item!("apple", 2)).is_ok());
    }
}
