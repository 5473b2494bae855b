"""What merchants sell: categories with their MCC, tags, typical amounts, fee rates and the words on bills."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Floats, Ints

CURRENCY = "CNY"
# Minor units per yuan.
FEN = 100


@dataclass(frozen=True, slots=True)
class Category:
    tag: str
    # The broader business tag, sent alongside `tag`.
    group: str
    mcc: str
    noun_zh: str
    noun_en: str
    # Typical amount of one purchase, in yuan, and the spread of its logarithm.
    median_yuan: float
    spread: float
    fee_rate: float
    # Chance that a bill at one of its terminals is captured offline.
    offline_rate: float
    # Relative number of merchants.
    popularity: float
    # Local hours when it sells most; none: all day alike.
    peak_hours: tuple[int, ...]
    items: tuple[tuple[str, str], ...]
    terminals: bool = True


CATEGORIES: tuple[Category, ...] = (
    Category("restaurant", "food", "5812", "餐厅", "Restaurant", 85, 0.6, 0.006, 0.3, 10, (12, 19),
             (("午市套餐", "lunch set"), ("火锅", "hotpot"), ("晚餐", "dinner"), ("家常菜", "home-style dishes"))),
    Category("fast_food", "food", "5814", "快餐", "Fast Food", 28, 0.4, 0.006, 0.35, 9, (8, 12, 18),
             (("汉堡套餐", "burger meal"), ("牛肉面", "beef noodles"), ("盒饭", "boxed meal"), ("饺子", "dumplings"))),
    Category("bakery", "food", "5462", "烘焙坊", "Bakery", 26, 0.5, 0.006, 0.35, 4, (8, 15),
             (("面包", "bread"), ("蛋糕", "cake"), ("咖啡", "coffee"), ("早餐", "breakfast"))),
    Category("grocery", "daily", "5411", "超市", "Supermarket", 120, 0.7, 0.0038, 0.25, 7, (10, 18),
             (("生鲜", "fresh produce"), ("日用品", "household goods"), ("粮油", "rice and oil"), ("零食", "snacks"))),
    Category("convenience", "daily", "5499", "便利店", "Convenience Store", 24, 0.6, 0.0038, 0.45, 9, (),
             (("饮料", "drinks"), ("便当", "bento"), ("日用品", "daily necessities"), ("冰淇淋", "ice cream"))),
    Category("fuel", "mobility", "5541", "加油站", "Gas Station", 320, 0.4, 0.0038, 0.3, 3, (8, 17),
             (("92号汽油", "92 gasoline"), ("95号汽油", "95 gasoline"), ("柴油", "diesel"), ("洗车", "car wash"))),
    Category("transit", "mobility", "4111", "公交地铁", "Transit", 5, 0.5, 0.0025, 0.7, 3, (8, 18),
             (("地铁", "metro"), ("公交", "bus"), ("城际铁路", "intercity rail"), ("轮渡", "ferry"))),
    Category("taxi", "mobility", "4121", "出租车", "Taxi", 35, 0.6, 0.006, 0.45, 4, (9, 19, 23),
             (("打车", "taxi ride"), ("机场接送", "airport transfer"), ("网约车", "ride hailing"), ("夜间出租", "night taxi"))),
    Category("clothing", "shopping", "5651", "服饰", "Fashion", 280, 0.7, 0.006, 0.15, 6, (15, 20),
             (("衬衫", "shirt"), ("连衣裙", "dress"), ("运动鞋", "sneakers"), ("外套", "coat"))),
    Category("electronics", "shopping", "5732", "数码", "Electronics", 900, 0.9, 0.006, 0.1, 4, (15, 20),
             (("手机", "mobile phone"), ("耳机", "earphones"), ("笔记本电脑", "laptop"), ("充电器", "charger"))),
    Category("online_shopping", "shopping", "5311", "商城", "Online Mall", 150, 0.9, 0.006, 0.0, 3, (21,),
             (("网购订单", "online order"), ("跨境购", "cross-border order"), ("会员", "membership"), ("团购", "group buy")),
             terminals=False),
    Category("pharmacy", "services", "5912", "大药房", "Pharmacy", 75, 0.6, 0.0038, 0.25, 4, (10, 19),
             (("感冒药", "cold medicine"), ("维生素", "vitamins"), ("口罩", "face masks"), ("处方药", "prescription"))),
    Category("cinema", "leisure", "7832", "影城", "Cinema", 70, 0.4, 0.006, 0.2, 3, (20,),
             (("电影票", "movie ticket"), ("爆米花", "popcorn"), ("IMAX影票", "IMAX ticket"), ("会员卡", "membership card"))),
    Category("hotel", "leisure", "7011", "酒店", "Hotel", 460, 0.5, 0.006, 0.1, 3, (21,),
             (("标准间", "standard room"), ("大床房", "king room"), ("早餐券", "breakfast voucher"), ("续住", "extended stay"))),
    Category("education", "services", "8299", "教育", "Education", 800, 0.8, 0.006, 0.1, 2, (19,),
             (("课程", "course"), ("教材", "textbooks"), ("培训", "training"), ("考试报名", "exam fee"))),
    Category("utilities", "services", "4900", "缴费中心", "Utilities", 180, 0.6, 0.0025, 0.1, 2, (20,),
             (("电费", "electricity bill"), ("水费", "water bill"), ("燃气费", "gas bill"), ("宽带", "broadband"))),
    Category("transfer", "finance", "4829", "钱包", "Wallet", 300, 1.0, 0.001, 0.0, 0, (),
             (("转账", "transfer"), ("红包", "red packet"), ("还款", "repayment"), ("房租", "rent")),
             terminals=False),
    Category("cash", "finance", "6011", "自助银行", "ATM", 800, 0.7, 0.001, 0.3, 0, (),
             (("取现", "cash withdrawal"), ("存款", "cash deposit"))),
)  # fmt: skip

TAGS = tuple(c.tag for c in CATEGORIES)
TRANSFER = TAGS.index("transfer")
CASH = TAGS.index("cash")
ONLINE_SHOPPING = TAGS.index("online_shopping")
# What people buy, as opposed to moving money.
EVERYDAY = tuple(i for i, c in enumerate(CATEGORIES) if c.popularity > 0)
MAX_ITEMS = max(len(c.items) for c in CATEGORIES)
# Which item of the cash category a withdrawal and a deposit name.
CASH_WITHDRAWAL_ITEM, CASH_DEPOSIT_ITEM = 0, 1
REFUND_PREFIX = ("退款", "Refund")
MEDIAN_YUAN: Floats = np.array([c.median_yuan for c in CATEGORIES])
SPREAD: Floats = np.array([c.spread for c in CATEGORIES])
ITEM_COUNT: Ints = np.array([len(c.items) for c in CATEGORIES], dtype=np.int64)
