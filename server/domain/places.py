"""Kinds of bin: which places hold sellable stock, what each is called, and the names a location list uses."""
from __future__ import annotations

# Sellable stock lives here: allocated, picked, counted, routed, replenished from.
SELLABLE = ("storage", "pick_face")

# Bins in the ledger that are not places on the shelves: units travel in totes, parcels (one pseudo-bin
# per parcel, zone P), work orders (one pseudo-bin per work order, zone W: components and kits while they
# are assembled or taken apart) and transit. No zone list, bin label or shelf count shows them.
NOT_ON_SHELVES = ("tote", "parcel", "work_order", "transit")

# Places a person sets up (the bins page, the location import), in the reader's words.
KINDS: dict[str, tuple[str, str]] = {
    "storage": ("storage", "存储"),
    "pick_face": ("pick face", "拣货位"),
    "quarantine": ("quarantine", "次品区"),
    "staging": ("receiving staging", "收货暂存"),
    "packing": ("packing", "打包区"),
    "dock": ("dock", "月台"),
    "hold": ("hold", "暂缓区"),
    "returns": ("returns", "退货区"),
}

# A location list's 库位类型 column, as Chinese ERPs write it (and the English names, and the kinds).
KIND_BY_NAME: dict[str, str] = {
    **{zh: kind for kind, (_en, zh) in KINDS.items()},
    **{en: kind for kind, (en, _zh) in KINDS.items()},
    **{kind: kind for kind in KINDS},
    "存储区": "storage", "存储位": "storage", "拣选位": "pick_face", "拣货区": "pick_face", "隔离区": "quarantine",
    "次品": "quarantine", "暂存区": "staging", "收货区": "staging", "打包台": "packing", "发货区": "dock",
}


def kind_for(name: str) -> str | None:
    """The bin kind a location list's type names, or None when it names none we know."""
    text = (name or "").strip()
    return KIND_BY_NAME.get(text) or KIND_BY_NAME.get(text.lower())
