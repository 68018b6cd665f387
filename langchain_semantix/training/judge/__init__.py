"""Judge quality and learning: labelled examples, evaluation, training, and a cascade.

Example:
    .. code-block:: python

        from langchain_semantix.training.judge import (
            LabelledExample, train_judge, evaluate_judge, TrainedJudge, CascadeJudge,
        )
        judge = train_judge(examples, output_dir="judges/v1")
        print(evaluate_judge(judge, held_out).to_markdown())
"""

from langchain_semantix.judges.cascade import CascadeJudge, CascadeStats, LabelWriteWarning
from langchain_semantix.judges.trained import TrainedJudge
from langchain_semantix.training.judge.evaluate import JudgeReport, RequirementMetrics, evaluate_judge
from langchain_semantix.training.judge.labels import (
    CircularLabelError,
    LabelError,
    LabelledExample,
    LabelStore,
    label_with,
    labels_from_corrections,
    labels_from_review,
    read_labels,
)
from langchain_semantix.training.judge.train import TrainRecipe, bundled_corpus, train_judge

__all__ = [
    "LabelledExample",
    "LabelStore",
    "LabelError",
    "CircularLabelError",
    "read_labels",
    "label_with",
    "labels_from_corrections",
    "labels_from_review",
    "evaluate_judge",
    "JudgeReport",
    "RequirementMetrics",
    "train_judge",
    "TrainRecipe",
    "bundled_corpus",
    "TrainedJudge",
    "CascadeJudge",
    "CascadeStats",
    "LabelWriteWarning",
]
