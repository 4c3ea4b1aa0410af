"""Prediction: the images a client sends (files or addresses) and one answer."""

from __future__ import annotations

from rest_framework import serializers


class PredictUrlsSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, max_length=2000, help_text="One image URL.")
    urls = serializers.ListField(
        child=serializers.CharField(max_length=2000),
        required=False,
        min_length=1,
        help_text="Several image URLs; the answer is then a list.",
    )


class PredictFilesSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="One image.")
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Several images; the answer is then a list."
    )


class PredictionSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        allow_null=True, help_text="This answer in the prediction log (null when the server keeps no log)."
    )
    name = serializers.CharField(help_text="The file name or URL this answer is for.")
    label = serializers.CharField(help_text="The most likely class.")
    confidence = serializers.FloatField(help_text="Its probability, 0 to 1.")
    unknown = serializers.BooleanField(help_text="True when the image looks like none of the classes: far from "
                                       "every training photo. Pages say 'None of these'.")
    looks_unlike = serializers.BooleanField(
        required=False, help_text="True when the image is named (label) but looks unlike the training photos: "
        "pages say 'Probably <label> — but it looks unlike your <label> photos'.")
    in_words = serializers.CharField(required=False, help_text="The answer as the try-it page says it.")
    unknown_score = serializers.FloatField(
        required=False, allow_null=True, help_text="How unlike the training photos the image is."
    )
    probabilities = serializers.DictField(child=serializers.FloatField(), help_text="{class name: probability}.")
    version = serializers.IntegerField(help_text="The model version that answered.")
