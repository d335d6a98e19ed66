"""`tf.contrib.seq2seq`: TF 1.15's sequence-to-sequence decoding — `dynamic_decode` over a `BasicDecoder` with its
helpers (teacher forcing, greedy or sampled inference, scheduled sampling, custom), Bahdanau and Luong
attention (`AttentionWrapper`), beam search (`BeamSearchDecoder`, `tile_batch`, `gather_tree`), and `sequence_loss`, the
weighted per-step cross-entropy of sequence models. See docs/rnn.md."""
from .attention_wrapper import (
    AttentionMechanism,
    AttentionWrapper,
    AttentionWrapperState,
    BahdanauAttention,
    LuongAttention,
)
from .basic_decoder import BasicDecoder, BasicDecoderOutput
from .beam_search_decoder import (
    BeamSearchDecoder,
    BeamSearchDecoderOutput,
    BeamSearchDecoderState,
    FinalBeamSearchDecoderOutput,
    gather_tree,
    tile_batch,
)
from .decoder import Decoder, dynamic_decode
from .helper import (
    CustomHelper,
    GreedyEmbeddingHelper,
    Helper,
    InferenceHelper,
    SampleEmbeddingHelper,
    ScheduledEmbeddingTrainingHelper,
    ScheduledOutputTrainingHelper,
    TrainingHelper,
)
from .loss import sequence_loss

__all__ = ["AttentionMechanism", "AttentionWrapper", "AttentionWrapperState", "BahdanauAttention", "LuongAttention",
           "BasicDecoder", "BasicDecoderOutput", "BeamSearchDecoder", "BeamSearchDecoderOutput",
           "BeamSearchDecoderState", "CustomHelper", "Decoder", "FinalBeamSearchDecoderOutput",
           "GreedyEmbeddingHelper", "Helper", "InferenceHelper", "SampleEmbeddingHelper",
           "ScheduledEmbeddingTrainingHelper", "ScheduledOutputTrainingHelper", "TrainingHelper", "dynamic_decode",
           "gather_tree", "sequence_loss", "tile_batch"]
