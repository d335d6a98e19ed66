"""`tf.contrib.seq2seq`: TF 1.15's sequence-to-sequence decoding — `dynamic_decode` over a `BasicDecoder` with its
helpers (teacher forcing, greedy or sampled inference, scheduled sampling, custom), Bahdanau and Luong
attention (`AttentionWrapper`), and `sequence_loss`, the
weighted per-step cross-entropy of sequence models. See docs/rnn.md."""
from .attention_wrapper import (
    AttentionMechanism,
    AttentionWrapper,
    AttentionWrapperState,
    BahdanauAttention,
    LuongAttention,
)
from .basic_decoder import BasicDecoder, BasicDecoderOutput
from .decoder import Decoder, dynamic_decode
from .helper import (
    CustomHelper,
    GreedyEmbeddingHelper,
    Helper,
    InferenceHelper,
    SampleEmbeddingHelper,
    ScheduledEmbeddingTrainingHelper,
    TrainingHelper,
)
from .loss import sequence_loss

__all__ = ["AttentionMechanism", "AttentionWrapper", "AttentionWrapperState", "BahdanauAttention", "LuongAttention",
           "BasicDecoder", "BasicDecoderOutput", "CustomHelper", "Decoder", "GreedyEmbeddingHelper", "Helper",
           "InferenceHelper", "SampleEmbeddingHelper", "ScheduledEmbeddingTrainingHelper", "TrainingHelper",
           "dynamic_decode", "sequence_loss"]
