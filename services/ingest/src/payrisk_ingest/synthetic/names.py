"""Merchant names, in Chinese and English."""

from __future__ import annotations

import numpy as np

from .catalog import CASH, CATEGORIES, TRANSFER

BRAND_WORDS = (
    ("王记", "Wang's"), ("老李", "Lao Li"), ("金鼎", "Golden Tripod"), ("鸿运", "Hongyun"), ("东方", "Oriental"),
    ("新世纪", "New Century"), ("华联", "Hualian"), ("百佳", "Baijia"), ("福满", "Fuman"), ("佳乐", "Jiale"),
    ("长城", "Great Wall"), ("星光", "Starlight"), ("阳光", "Sunshine"), ("顺发", "Shunfa"), ("永和", "Yonghe"),
    ("丰泽", "Fengze"), ("如意", "Ruyi"), ("龙门", "Longmen"), ("春风", "Spring Breeze"), ("锦绣", "Jinxiu"),
)  # fmt: skip
BANKS = (
    ("工商银行", "ICBC"),
    ("建设银行", "CCB"),
    ("农业银行", "ABC"),
    ("中国银行", "BOC"),
    ("招商银行", "CMB"),
)
WALLETS = (("快付", "QuickPay"), ("易钱包", "EasyWallet"), ("云闪", "CloudFlash"), ("乐付", "LePay"))
SHELL_WORDS = (
    ("环球", "Global"),
    ("汇通", "Huitong"),
    ("宏达", "Hongda"),
    ("鑫源", "Xinyuan"),
    ("恒信", "Hengxin"),
)
SHELL_KINDS = (
    ("贸易有限公司", "Trading Co., Ltd."),
    ("咨询服务部", "Consulting Services"),
    ("商务中心", "Business Centre"),
)


def _choose(rng: np.random.Generator, options: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    return options[int(rng.integers(len(options)))]


def merchant_name(rng: np.random.Generator, category: int, branch_zh: str, branch_en: str) -> tuple[str, str]:
    """(Chinese, English) name of an ordinary merchant of a category, with its branch."""
    c = CATEGORIES[category]
    if category == CASH:
        zh, en = _choose(rng, BANKS)
        return f"{zh}{c.noun_zh}({branch_zh})", f"{en} {c.noun_en} ({branch_en})"
    if category == TRANSFER:
        zh, en = _choose(rng, WALLETS)
        return f"{zh}{c.noun_zh}", f"{en} {c.noun_en}"
    zh, en = _choose(rng, BRAND_WORDS)
    return f"{zh}{c.noun_zh}({branch_zh}店)", f"{en} {c.noun_en} ({branch_en})"


def shell_name(rng: np.random.Generator, place_zh: str, place_en: str) -> tuple[str, str]:
    word_zh, word_en = _choose(rng, SHELL_WORDS)
    kind_zh, kind_en = _choose(rng, SHELL_KINDS)
    return f"{place_zh}{word_zh}{kind_zh}", f"{place_en} {word_en} {kind_en}"
