"""The relation graph and the risk-scenario knowledge base.

sample = amlsim_sample(load_sample("fan_in"))                       # or records_sample(ingest records)
kb = build([SourcePlan(sample, (ScenarioSpec("amlsim_fan_in", "fan-in", "fan_in"),))], FEATURE_NAMES)
kb.match(feature_matrix(graph, np.array([i]))[0])                 # ranked scenarios for transfer i
"""

from .amlsim import AmlsimSample, DatasetMissing, default_dataset_dir, load_archive, load_sample
from .builder import NoSamples, ScenarioSpec, SourcePlan, build
from .evaluation import ScenarioScore, confusion, scores
from .features import DIMENSIONS, FEATURE_NAMES, feature_matrix
from .graph import AMLSIM_SCALE, PAYRISK_SCALE, RelationGraph, TimeScale
from .groups import RelationGroup, feature_vector, relation_groups
from .knowledge import KnowledgeBase, Match, Scenario
from .learning import LearningSettings
from .patterns import Patterns, find_patterns
from .records import to_transfers
from .samples import LabelledSample, amlsim_sample, records_sample
from .splits import CALIBRATE, TEST, TRAIN, split
from .store import KnowledgeBaseUnusable
from .transfers import Context, Transfers

__all__ = [
    "AMLSIM_SCALE",
    "CALIBRATE",
    "DIMENSIONS",
    "FEATURE_NAMES",
    "PAYRISK_SCALE",
    "TEST",
    "TRAIN",
    "AmlsimSample",
    "Context",
    "DatasetMissing",
    "KnowledgeBase",
    "KnowledgeBaseUnusable",
    "LabelledSample",
    "LearningSettings",
    "Match",
    "NoSamples",
    "Patterns",
    "RelationGraph",
    "RelationGroup",
    "Scenario",
    "ScenarioScore",
    "ScenarioSpec",
    "SourcePlan",
    "TimeScale",
    "Transfers",
    "amlsim_sample",
    "build",
    "confusion",
    "default_dataset_dir",
    "feature_matrix",
    "feature_vector",
    "find_patterns",
    "load_archive",
    "load_sample",
    "records_sample",
    "relation_groups",
    "scores",
    "split",
    "to_transfers",
]
