"""The playground's timeline: the losses of every epoch trained, and the parameters at each (time travel).

Thinned past ``MAX_EPOCHS`` entries: every other one is dropped, the first and the last kept, so a run of
any length keeps a bounded history whose entries still span it.
"""

from __future__ import annotations

from array import array

from playground.session import Session
from playground.snapshot import finite_or_none

MAX_EPOCHS = 1000  # entries kept; past it every other one is dropped


class Timeline:
    """``losses``: ``[epoch, train loss, test loss]`` per epoch kept (None where not finite); ``parameters``: the
    parameters at each of those epochs, in ``MLP.parameters()`` order."""

    def __init__(self) -> None:
        self.losses: list[list[float | None]] = []
        self.parameters: list[array[float]] = []
        self.run: int | None = None  # the session's run_count it records

    @property
    def epochs(self) -> list[int]:
        """The epochs kept, oldest first."""
        return [int(entry[0] or 0) for entry in self.losses]

    def starts_anew(self, session: Session) -> bool:
        """True (and the timeline emptied) when ``session`` began a new run since the last ``record`` (a new data
        set, network or reset), or went back before the last epoch kept."""
        last = self.losses[-1][0] if self.losses else None
        if last is None or session.run_count != self.run or session.epoch_count < last:
            self.losses, self.parameters, self.run = [], [], session.run_count
            return True
        return False

    def record(self, session: Session) -> bool:
        """Keep the session's epoch if it is a new one: its losses and its parameters; True when it was."""
        if self.losses and self.losses[-1][0] == session.epoch_count:
            return False
        self.losses.append([session.epoch_count, finite_or_none(session.train_loss), finite_or_none(session.test_loss)])
        self.parameters.append(array("d", (p.data for p in session.model.parameters())))
        if len(self.losses) > MAX_EPOCHS:
            self.losses = self.losses[:-1:2] + self.losses[-1:]
            self.parameters = self.parameters[:-1:2] + self.parameters[-1:]
        return True

    def kept(self, epoch: int, names: list[str]) -> tuple[int, dict[str, float]]:
        """Where ``epoch`` is in the timeline, and its parameters by ``names`` (the model's, in order)."""
        k = self.epochs.index(epoch)
        return k, dict(zip(names, self.parameters[k]))

    def truncate(self, k: int) -> None:
        """Drop every entry after the ``k``-th (training goes on from there)."""
        self.losses, self.parameters = self.losses[: k + 1], self.parameters[: k + 1]

    def describe_epochs(self) -> str:
        """A short text of the epochs kept: ``0, 1, ..., 57`` or the few there are."""
        epochs = self.epochs
        return ", ".join(map(str, epochs)) if len(epochs) <= 4 else f"{epochs[0]}, {epochs[1]}, ..., {epochs[-1]}"
