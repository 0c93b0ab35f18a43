#pragma once
#include <string>
#include <vector>

extern "C" {
#include "../include/cart.h"
}

namespace report {

class Line {
public:
    Line(std::string sku, double total);
    virtual ~Line() = default;
    const std::string &sku() const { return sku_; }
    double total() const;
    bool operator<(const Line &other) const;

private:
    std::string sku_;
    double total_;
};

struct Summary {
    std::vector<Line> lines;
    double grand_total() const;
};

template <typename T>
T clamp(T v, T lo, T hi) { return v < lo ? lo : (v > hi ? hi : v); }

Summary summarize(const Cart &cart);

}  // namespace report
