"""Course grades: letter grades and class summaries."""

CUTOFFS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]


def letter(score):
    """The letter grade of a score between 0 and 100."""
    if not 0 <= score <= 100:
        raise ValueError(f"score out of range: {score}")
    for cutoff, grade in CUTOFFS:
        if score >= cutoff:
            return grade
    return "F"


def summary(scores):
    """A dict mapping each letter grade to how many scores got it."""
    counts = {}
    for s in scores:
        g = letter(s)
        counts[g] = counts.get(g, 0) + 1
    return counts
