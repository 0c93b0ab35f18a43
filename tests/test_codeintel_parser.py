"""tree-sitter parsing: definitions (name, kind, line range, parent) and references in every language."""

from __future__ import annotations

import pytest

from agent.codeintel.parser import Symbol, language_for, parse_source

SAMPLES: dict[str, tuple[str, str]] = {
    "python": ("shapes.py", '''\
import math

SCALE = 2


class Circle:
    """A circle."""

    def __init__(self, r):
        self.r = r

    def area(self):
        return math.pi * self.r ** 2


def total_area(shapes):
    return sum(s.area() for s in shapes)
'''),
    "javascript": ("shapes.js", '''\
class Circle {
  constructor(r) { this.r = r; }
  area() { return Math.PI * this.r * this.r; }
}

function totalArea(shapes) {
  return shapes.reduce((a, s) => a + s.area(), 0);
}

const double = (x) => x * 2;
'''),
    "typescript": ("shapes.ts", '''\
interface Shape {
  area(): number;
}

type Id = string;

enum Color { Red, Green }

class Circle implements Shape {
  constructor(private r: number) {}
  area(): number { return Math.PI * this.r * this.r; }
}

function totalArea(shapes: Shape[]): number {
  return shapes.reduce((a, s) => a + s.area(), 0);
}
'''),
    "go": ("shapes.go", '''\
package shapes

import "math"

type Shape interface {
	Area() float64
}

type Circle struct {
	R float64
}

func (c Circle) Area() float64 {
	return math.Pi * c.R * c.R
}

func TotalArea(shapes []Shape) float64 {
	total := 0.0
	for _, s := range shapes {
		total += s.Area()
	}
	return total
}
'''),
    "rust": ("shapes.rs", '''\
pub trait Shape {
    fn area(&self) -> f64;
}

pub struct Circle {
    pub r: f64,
}

impl Shape for Circle {
    fn area(&self) -> f64 {
        std::f64::consts::PI * self.r * self.r
    }
}

pub fn total_area(shapes: &[Box<dyn Shape>]) -> f64 {
    shapes.iter().map(|s| s.area()).sum()
}
'''),
    "java": ("Circle.java", '''\
package shapes;

public class Circle implements Shape {
    private final double r;

    public Circle(double r) {
        this.r = r;
    }

    public double area() {
        return Math.PI * r * r;
    }

    public double twice() {
        return 2 * area();
    }
}

interface Shape {
    double area();
}
'''),
    "c": ("shapes.c", '''\
#include <math.h>

#define SCALE 2

struct circle {
    double r;
};

typedef struct circle Circle;

double circle_area(const Circle *c)
{
    return M_PI * c->r * c->r;
}

double total_area(const Circle *cs, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += circle_area(&cs[i]);
    return total;
}
'''),
    "cpp": ("shapes.cpp", '''\
#include <vector>

namespace shapes {

class Circle {
public:
    explicit Circle(double r) : r_(r) {}
    double area() const;
private:
    double r_;
};

double Circle::area() const {
    return 3.14159 * r_ * r_;
}

double total_area(const std::vector<Circle>& cs) {
    double total = 0;
    for (const auto& c : cs) total += c.area();
    return total;
}

}  // namespace shapes
'''),
}

# language -> definitions expected as (name, kind, parent)
EXPECTED: dict[str, set[tuple[str, str, str | None]]] = {
    "python": {("SCALE", "variable", None), ("Circle", "class", None), ("__init__", "method", "Circle"),
               ("area", "method", "Circle"), ("total_area", "function", None)},
    "javascript": {("Circle", "class", None), ("constructor", "method", "Circle"), ("area", "method", "Circle"),
                   ("totalArea", "function", None), ("double", "function", None)},
    "typescript": {("Shape", "interface", None), ("area", "method", "Shape"), ("Id", "type", None),
                   ("Color", "enum", None), ("Circle", "class", None), ("constructor", "method", "Circle"),
                   ("area", "method", "Circle"), ("totalArea", "function", None)},
    "go": {("Shape", "interface", None), ("Area", "method", "Shape"), ("Circle", "struct", None),
           ("Area", "method", None), ("TotalArea", "function", None)},
    "rust": {("Shape", "trait", None), ("area", "method", "Shape"), ("Circle", "struct", None),
             ("Circle", "impl", None), ("area", "method", "Circle"), ("total_area", "function", None)},
    "java": {("Circle", "class", None), ("Circle", "constructor", "Circle"), ("area", "method", "Circle"),
             ("Shape", "interface", None), ("area", "method", "Shape")},
    "c": {("SCALE", "macro", None), ("circle", "struct", None), ("Circle", "type", None),
          ("circle_area", "function", None), ("total_area", "function", None)},
    "cpp": {("shapes", "namespace", None), ("Circle", "class", "shapes"), ("area", "method", "Circle"),
            ("area", "method", "shapes"), ("total_area", "function", "shapes")},
}


def _parse(language: str):
    filename, source = SAMPLES[language]
    assert language_for(filename) == language
    return parse_source(source.encode(), language)


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_definitions_are_found_with_kind_and_parent(language: str) -> None:
    tags = _parse(language)
    found = {(s.name, s.kind, s.parent) for s in tags.definitions}
    assert EXPECTED[language] <= found, f"missing: {EXPECTED[language] - found}"


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_definition_line_ranges_cover_the_body(language: str) -> None:
    _, source = SAMPLES[language]
    lines = source.splitlines()
    tags = _parse(language)
    for s in tags.definitions:
        assert 1 <= s.line <= s.end_line <= len(lines)
        assert s.name in lines[s.line - 1] or s.name in "\n".join(lines[s.line - 1:s.end_line])
        assert s.name in s.signature


@pytest.mark.parametrize("language, name", [
    ("python", "area"), ("javascript", "area"), ("typescript", "Shape"), ("go", "Area"),
    ("rust", "Shape"), ("java", "area"), ("c", "circle_area"), ("cpp", "area"),
])
def test_uses_of_a_name_are_references_but_its_definition_is_not(language: str, name: str) -> None:
    tags = _parse(language)
    def_lines = {s.line for s in tags.definitions if s.name == name and s.kind not in ("impl",)}
    ref_lines = tags.references.get(name, [])
    assert ref_lines, f"no reference to {name}"
    _, source = SAMPLES[language]
    for row in ref_lines:
        assert name in source.splitlines()[row - 1]
    # a definition's own name is not counted as a use of it (the line may still hold other uses)
    assert len(ref_lines) < source.count(name)
    assert def_lines


def test_names_in_comments_and_strings_are_not_references() -> None:
    tags = parse_source(b'# area is computed below\ns = "area"\ndef f(x):\n    return x.area()\n', "python")
    assert tags.references["area"] == [4]


def test_python_class_nested_method_range() -> None:
    tags = _parse("python")
    area = next(s for s in tags.definitions if s.name == "area")
    assert (area.line, area.end_line) == (12, 13)
    assert area.signature == "    def area(self):"


def test_unknown_extension_has_no_language() -> None:
    assert language_for("notes.txt") is None
    assert language_for("Makefile") is None
    assert language_for("x.TSX") == "tsx"


def test_symbol_round_trips_through_a_cache_row() -> None:
    s = Symbol("f", "function", 1, 3, "def f():", None)
    assert Symbol.from_row(s.to_row()) == s


def test_definitions_are_the_same_from_the_single_walk_and_from_the_matches() -> None:
    """Each file is walked once, definitions paired from the captures; the matches of the
    definition query alone (the fallback) give the same definitions, in every language."""
    import tree_sitter as ts

    from agent.codeintel.parser import grammar

    for language, (_, source) in SAMPLES.items():
        g = grammar(language)
        root = g.parser.parse(source.encode()).root_node
        captures = ts.QueryCursor(g.combined).captures(root)
        paired = g._paired(captures)
        assert paired is not None, language
        assert {k: (v[0], v[1].start_byte, v[2].start_byte, v[3]) for k, v in paired.items()} == \
            {k: (v[0], v[1].start_byte, v[2].start_byte, v[3]) for k, v in g._matched(root).items()}, language


def test_a_pattern_the_single_walk_cannot_pair_falls_back_to_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.codeintel import parser

    patterns = dict(parser.DEFINITIONS)
    patterns["python"] += "(decorated_definition (decorator) @deco definition: (function_definition name: (identifier) @name) @definition.function)\n"
    monkeypatch.setattr(parser, "DEFINITIONS", patterns)
    g = parser.Grammar("python")
    assert g.patterns is None
    source = b"@cache\ndef f():\n    return g()\n\ndef g():\n    pass\n"
    tags = g.tags("python", source)
    assert [(s.name, s.kind, s.line) for s in tags.definitions] == [("f", "function", 2), ("g", "function", 5)]
    assert tags.references == {"cache": [1], "g": [3]}
