"""The Barthel ADL index as Thai health services score it (10 items, total 0-20).

Items are in the order of DESIGN.md section 7: feeding, grooming, transfer, toilet,
mobility, dressing, stairs, bathing, bowels, bladder. Each item's options give the
score and what it means, read aloud by the assessor in the home.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lending.models import DependencyGroup


@dataclass(frozen=True)
class AdlItem:
    key: str
    label: object
    options: tuple[tuple[int, object], ...]

    @property
    def max_score(self) -> int:
        return max(score for score, _ in self.options)


ITEMS: tuple[AdlItem, ...] = (
    AdlItem("feeding", _l("Feeding"), (
        (0, _l("Cannot bring food to the mouth; must be fed")),
        (1, _l("Eats alone with help, e.g. food cut up or put on the spoon")),
        (2, _l("Eats and manages alone normally")))),
    AdlItem("grooming", _l("Grooming (washing face, combing hair, brushing teeth, shaving)"), (
        (0, _l("Needs help")),
        (1, _l("Does it alone, with things set out if needed")))),
    AdlItem("transfer", _l("Transfer from bed to chair"), (
        (0, _l("Cannot sit (falls when seated) or needs two people to lift")),
        (1, _l("Needs much help to sit: one strong or skilled helper, or two ordinary helpers")),
        (2, _l("Needs some help: telling what to do, light support, or watching for safety")),
        (3, _l("Does it alone")))),
    AdlItem("toilet", _l("Toilet use"), (
        (0, _l("Cannot manage")),
        (1, _l("Manages some parts (at least cleaning after use) but needs help with others")),
        (2, _l("Manages alone: on and off the toilet, cleaning, clothes")))),
    AdlItem("mobility", _l("Moving around the room or house"), (
        (0, _l("Cannot move around")),
        (1, _l("Moves alone in a wheelchair, including corners and doors")),
        (2, _l("Walks or moves with help: support, telling, or watching for safety")),
        (3, _l("Walks or moves alone")))),
    AdlItem("dressing", _l("Dressing"), (
        (0, _l("Must be dressed; does little or nothing")),
        (1, _l("Does about half alone; needs help with the rest")),
        (2, _l("Dresses alone, including buttons and zips or adapted clothes")))),
    AdlItem("stairs", _l("Going up and down one flight of stairs"), (
        (0, _l("Cannot")),
        (1, _l("Needs help")),
        (2, _l("Does it alone (carrying a walker if one is used)")))),
    AdlItem("bathing", _l("Bathing"), (
        (0, _l("Needs help or is bathed")),
        (1, _l("Bathes alone")))),
    AdlItem("bowels", _l("Bowel control (the past week)"), (
        (0, _l("Incontinent, or needs enemas all the time")),
        (1, _l("Occasional accident (less than once a week)")),
        (2, _l("Continent")))),
    AdlItem("bladder", _l("Bladder control (the past week)"), (
        (0, _l("Incontinent, or catheterised and unable to manage it")),
        (1, _l("Occasional accident (less than once a day)")),
        (2, _l("Continent")))),
)
KEYS = tuple(item.key for item in ITEMS)
MAX_TOTAL = sum(item.max_score for item in ITEMS)  # 20

GROUP_LABELS = {
    DependencyGroup.SOCIAL_BOUND: _l("Social-bound (ADL 12-20)"),
    DependencyGroup.HOME_BOUND: _l("Home-bound (ADL 5-11)"),
    DependencyGroup.BED_BOUND: _l("Bed-bound (ADL 0-4)"),
}


def item_errors(scores: list[int]) -> list[str]:
    """Messages for a list of item scores that is not 10 scores within their ranges."""
    if len(scores) != len(ITEMS):
        return [f"expected {len(ITEMS)} scores in the order {', '.join(KEYS)}, got {len(scores)}"]
    return [f"{item.key} must be 0 to {item.max_score}, got {score}"
            for item, score in zip(ITEMS, scores, strict=True)
            if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= item.max_score]


def total(scores: list[int]) -> int:
    return sum(scores)


def dependency_group(adl_total: int) -> DependencyGroup:
    """>= 12 social-bound, 5-11 home-bound, 0-4 bed-bound."""
    if adl_total >= 12:
        return DependencyGroup.SOCIAL_BOUND
    if adl_total >= 5:
        return DependencyGroup.HOME_BOUND
    return DependencyGroup.BED_BOUND
