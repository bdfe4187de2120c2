"""Kits (组合装) as plain arithmetic over recipes: what a kit is made of down to plain items, whether a
recipe contains itself, how many kits the free stock can give, and which units an order of kits takes
(ready-made kits first, or components first)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

# kit -> [(component, units of it in one kit)]; a component may itself be a kit.
Recipes = Mapping[Hashable, Sequence[tuple[Hashable, int]]]


def is_kit(item: Hashable, recipes: Recipes) -> bool:
    return bool(recipes.get(item))


def cycle(kit: Hashable, recipes: Recipes) -> list | None:
    """The path by which a kit contains itself (kit, …, kit), or None when it never does."""
    def walk(item: Hashable, path: list) -> list | None:
        for component, _ in recipes.get(item, ()):
            if component == kit:
                return [*path, component]
            if component not in path:
                found = walk(component, [*path, component])
                if found:
                    return found
        return None

    return walk(kit, [kit])


def leaves(kit: Hashable, qty: int, recipes: Recipes) -> Counter:
    """The plain items `qty` kits are made of, nested kits expanded."""
    out: Counter = Counter()
    for component, per_kit in recipes.get(kit, ()):
        if is_kit(component, recipes):
            out.update(leaves(component, qty * per_kit, recipes))
        else:
            out[component] += qty * per_kit
    return out


@dataclass(frozen=True)
class Availability:
    available: int  # kits a shop may sell now: ready-made + what the components make
    ready_made: int  # free ready-made units of the kit itself
    limited_by: Hashable | None  # the component that allows the fewest kits (None: no components)


def buildable(kit: Hashable, recipes: Recipes, free: Mapping[Hashable, int]) -> tuple[int, Hashable | None]:
    """How many kits the free units of its components make, and the component that limits them. A nested
    kit offers its ready-made units and what its own components make."""
    best, limit = None, None
    for component, per_kit in recipes.get(kit, ()):
        have = max(0, free.get(component, 0))
        if is_kit(component, recipes):
            inner, inner_limit = buildable(component, recipes, free)
            have += inner
            by = inner_limit if inner_limit is not None else component  # the plain item to restock
        else:
            by = component
        kits = have // per_kit
        if best is None or kits < best:
            best, limit = kits, by
    return (best or 0), limit


def availability(kit: Hashable, recipes: Recipes, free: Mapping[Hashable, int]) -> Availability:
    ready = max(0, free.get(kit, 0))
    built, limit = buildable(kit, recipes, free)
    return Availability(ready + built, ready, limit)


def demand(item: Hashable, qty: int, recipes: Recipes, free: dict, ready_first: bool = True) -> Counter:
    """Units by item that `qty` of an item takes: a plain item itself; a kit its ready-made units and its
    components for the rest (ready-made first, or components first — the rest then ready-made). Takes what
    it uses out of `free`, so the lines of one order never count the same units twice. What free stock
    cannot cover is still asked for (the release check reports it as a shortage)."""
    out: Counter = Counter()
    if not is_kit(item, recipes):
        out[item] += qty
        free[item] = free.get(item, 0) - qty
        return out
    if ready_first:
        ready = min(qty, max(0, free.get(item, 0)))
    else:
        ready = qty - min(qty, buildable(item, recipes, free)[0])
    if ready:
        out[item] += ready
        free[item] = free.get(item, 0) - ready
    built = qty - ready
    if built:
        for component, per_kit in recipes[item]:
            out.update(demand(component, built * per_kit, recipes, free, ready_first))
    return out
