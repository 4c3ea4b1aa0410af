"""Review: a photo to review (with its class's name), a decision, and what the decision did."""

from __future__ import annotations

from rest_framework import serializers

from classifiers.api.serializers.images import ImageSerializer
from classifiers.services.review import REVIEW_ACTIONS

MAX_REVIEW_IMAGES = 500


class ReviewImageSerializer(ImageSerializer):
    label_name = serializers.CharField(source="label.name", read_only=True, help_text="The photo's class.")

    class Meta(ImageSerializer.Meta):
        fields = [*ImageSerializer.Meta.fields, "label_name"]


class ReviewDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=REVIEW_ACTIONS,
        help_text=(
            "keep: the photo stays, its flags are dismissed for good (not raised again for the same reasons) and "
            "a photo waiting for review is trained on from now on; drop: the photo is deleted; move: the photo "
            "goes to `label_id`, a class of the same classifier."
        ),
    )
    image_ids = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=MAX_REVIEW_IMAGES,
        help_text="The photos to apply it to, from any classes of this classifier.",
    )
    label_id = serializers.UUIDField(required=False, help_text="For move: the class to move the photos to.")

    def validate(self, data: dict) -> dict:
        if data["action"] == "move" and not data.get("label_id"):
            raise serializers.ValidationError({"label_id": ["Say which class to move the photos to."]})
        return data


class SkippedImageSerializer(serializers.Serializer):
    image_id = serializers.UUIDField()
    reason = serializers.CharField()


class ReviewResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    applied = serializers.IntegerField(help_text="How many photos the decision was applied to.")
    skipped = SkippedImageSerializer(many=True, help_text="Photos it could not be applied to, and why.")
    images = ReviewImageSerializer(many=True, help_text="The photos as they are now (none after drop).")
