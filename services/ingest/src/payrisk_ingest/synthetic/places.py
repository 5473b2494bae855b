"""Where things are: cities with dense commercial centres, and sparse remote towns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .arrays import Floats

KM_PER_DEGREE = 111.32
COUNTRY = "CN"


@dataclass(frozen=True, slots=True)
class Centre:
    name_zh: str
    name_en: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Place:
    name_zh: str
    name_en: str
    centres: tuple[Centre, ...]
    # Spread of merchant premises around a centre.
    spread_km: float
    # Relative share of people and merchants; 0 for the sparse towns where almost nobody lives.
    weight: float
    # First two octets of the IPv4 addresses its residents get.
    ip_prefixes: tuple[str, ...] = ()

    @property
    def sparse(self) -> bool:
        return self.weight == 0

    @property
    def latitude(self) -> float:
        return sum(c.latitude for c in self.centres) / len(self.centres)

    @property
    def longitude(self) -> float:
        return sum(c.longitude for c in self.centres) / len(self.centres)


PLACES: tuple[Place, ...] = (
    Place("上海", "Shanghai", (
        Centre("陆家嘴", "Lujiazui", 31.2397, 121.4998), Centre("南京东路", "Nanjing Road", 31.2381, 121.4800),
        Centre("徐家汇", "Xujiahui", 31.1955, 121.4365), Centre("静安寺", "Jing'an Temple", 31.2235, 121.4456),
    ), 0.8, 0.24, ("101.81", "116.227", "58.33")),
    Place("北京", "Beijing", (
        Centre("王府井", "Wangfujing", 39.9145, 116.4109), Centre("国贸", "Guomao", 39.9087, 116.4605),
        Centre("中关村", "Zhongguancun", 39.9834, 116.3162), Centre("三里屯", "Sanlitun", 39.9367, 116.4551),
    ), 0.8, 0.22, ("123.112", "114.242", "61.148")),
    Place("深圳", "Shenzhen", (
        Centre("福田中心区", "Futian CBD", 22.5367, 114.0553), Centre("华强北", "Huaqiangbei", 22.5448, 114.0855),
        Centre("南山", "Nanshan", 22.5333, 113.9304),
    ), 0.8, 0.18, ("113.116", "119.123", "183.14")),
    Place("成都", "Chengdu", (
        Centre("春熙路", "Chunxi Road", 30.6574, 104.0812), Centre("天府广场", "Tianfu Square", 30.6574, 104.0659),
    ), 0.8, 0.14, ("171.221", "125.71", "182.150")),
    Place("杭州", "Hangzhou", (
        Centre("武林", "Wulin", 30.2741, 120.1650), Centre("湖滨", "Hubin", 30.2573, 120.1640),
        Centre("钱江新城", "Qianjiang New Town", 30.2452, 120.2119),
    ), 0.8, 0.12, ("115.192", "122.233", "60.176")),
    Place("武汉", "Wuhan", (
        Centre("江汉路", "Jianghan Road", 30.5800, 114.2880), Centre("光谷", "Optics Valley", 30.5060, 114.4000),
    ), 0.8, 0.10, ("27.16", "59.172", "113.57")),
    Place("格尔木", "Golmud", (Centre("格尔木", "Golmud", 36.4024, 94.9031),), 15.0, 0.0),
    Place("额济纳旗", "Ejin Banner", (Centre("达来呼布", "Dalaihob", 41.9545, 101.0553),), 15.0, 0.0),
    Place("阿勒泰", "Altay", (Centre("阿勒泰", "Altay", 47.8445, 88.1410),), 15.0, 0.0),
    Place("那曲", "Nagqu", (Centre("那曲", "Nagqu", 31.4762, 92.0514),), 15.0, 0.0),
    Place("二连浩特", "Erenhot", (Centre("二连浩特", "Erenhot", 43.6529, 111.9772),), 15.0, 0.0),
    Place("若羌", "Ruoqiang", (Centre("若羌", "Ruoqiang", 39.0181, 88.1673),), 15.0, 0.0),
)  # fmt: skip

CITIES = tuple(i for i, p in enumerate(PLACES) if not p.sparse)
SPARSE_PLACES = tuple(i for i, p in enumerate(PLACES) if p.sparse)
CITY_WEIGHTS: Floats = np.array([PLACES[i].weight for i in CITIES]) / sum(PLACES[i].weight for i in CITIES)
ROADS_ZH = (
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "新华路",
    "胜利路",
    "文化路",
    "长江路",
    "黄河路",
)
# Address space of hosting and proxy networks abroad, where stolen credentials tend to be used from.
FOREIGN_IP_PREFIXES = ("45.137", "185.220", "103.75", "91.219", "194.26", "5.188")


def scatter(
    rng: np.random.Generator, latitude: Floats, longitude: Floats, spread_km: float | Floats
) -> tuple[Floats, Floats]:
    """Points around the given ones, normally spread by `spread_km`, rounded to about 10 cm."""
    north = rng.normal(0.0, 1.0, len(latitude)) * spread_km / KM_PER_DEGREE
    east = rng.normal(0.0, 1.0, len(latitude)) * spread_km / (KM_PER_DEGREE * np.cos(np.radians(latitude)))
    return np.round(latitude + north, 6), np.round(longitude + east, 6)


def address(rng: np.random.Generator, place: Place, centre: Centre) -> str:
    road = ROADS_ZH[int(rng.integers(len(ROADS_ZH)))]
    town = f"{place.name_zh}市" if not place.sparse else place.name_zh
    district = centre.name_zh if centre.name_zh != place.name_zh else ""
    return f"{town}{district}{road}{int(rng.integers(1, 999))}号"


def distance_km(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    """Great-circle distance (haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    result: Floats = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    return result
