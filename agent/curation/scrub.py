"""``limi-cli data scrub``: secrets and personal data out of a dataset, with a report.

Uses the log's :class:`~agent.redact.Redactor` (API keys, tokens, private keys, passwords)
with its PII rules on (e-mail addresses, phone numbers), plus any extra literal values.
Only the output dataset changes; the inputs (and the raw logs) are only read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from agent.redact import Redactor
from agent.rows import DatasetRow


@dataclass
class ScrubReport:
    counts: Counter[str] = field(default_factory=Counter)  # kind -> replacements
    changed: dict[str, dict[str, int]] = field(default_factory=dict)  # row id -> kind -> replacements

    def text(self) -> str:
        if not self.counts:
            return "nothing to scrub"
        lines = [f"{sum(self.counts.values())} replacements in {len(self.changed)} rows:"]
        lines += [f"  {kind:<18}{n}" for kind, n in self.counts.most_common()]
        lines += [f"  {tid}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()) for tid, kinds in self.changed.items()]
        return "\n".join(lines)


def scrub(rows: list[DatasetRow], *, pii: bool = True, values: list[str] | None = None) -> tuple[list[DatasetRow], ScrubReport]:
    """Redacted copies of ``rows`` and what was replaced in each."""
    redactor = Redactor(extra_values=values or [], pii=pii)
    report = ScrubReport()
    out = []
    for t in rows:
        redactor.reset_counts()
        row = redactor.redact_obj(t.row)
        counts = redactor.report()  # what changed in the row; the task in meta repeats the user message
        task = redactor.redact_text(t.meta["task"]) if t.meta.get("task") else None
        meta = dict(t.meta)
        if task is not None:
            meta["task"] = task
        if counts:
            report.counts.update(counts)
            report.changed[t.id] = counts
            meta["scrubbed"] = counts
        out.append(DatasetRow(t.id, row, meta, t.origin))
    return out, report
