"""The suggestions under the prompt: ``/`` commands or ``@`` files, picked with up/down and tab."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option


class CompletionList(OptionList, can_focus=False):
    """A short list that never takes the focus: the prompt keeps typing while it shows."""

    DEFAULT_CSS = """
    CompletionList { display: none; max-height: 8; border: none; padding: 0 1; background: $panel; }
    CompletionList.-shown { display: block; }
    """

    def show(self, items: list[tuple[str, str]]) -> None:
        """Show ``(value, label)`` items, the first highlighted; hide when there are none."""
        self.clear_options()
        if not items:
            self.hide()
            return
        self.add_options([Option(label, id=value) for value, label in items])
        self.highlighted = 0
        self.add_class("-shown")

    def hide(self) -> None:
        self.remove_class("-shown")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def move(self, delta: int) -> None:
        if self.option_count:
            self.highlighted = ((self.highlighted or 0) + delta) % self.option_count

    def chosen(self) -> str | None:
        if not self.shown or self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id
