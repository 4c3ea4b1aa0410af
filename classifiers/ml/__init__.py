"""The transfer-learning engine: plain Python (no Django), so it can be used and tested on its own.

backbones   which frozen networks exist and how to build them from the weights their packages ship
engine_choice  the default engine (backbone and precision), chosen by a rule from measured figures
preprocess  bytes → RGB picture → normalised tensor, the same way for training, prediction and export
onnx_cache  the backbone exported once to ONNX, kept in a cache folder, rebuilt when the weights change
quantize    the backbone's int8 twin, quantized once from the ONNX export and checked against it
child       one-off builds that need PyTorch or the quantizer run in a child process
extract     features from many pictures at once (ONNX Runtime, decoding in threads), PyTorch as reference
heads       small classifiers trained with PyTorch on features: logistic regression and a one-hidden-layer MLP
training    the one training procedure: choose the head by cross-validation, measure it, fit the final one
predictor   answers for a list of pictures in one call, with a per-picture error for those it cannot read
evaluation  honest figures from held-out folds: accuracy, per-class, confusion, learning curve
unknown     the "none of these" score and its threshold
artifacts   a trained model on disk (JSON + .npz, no pickle), written atomically
export      backbone + head + softmax as one ONNX file that needs only onnxruntime
"""
