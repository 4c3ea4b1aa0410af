"""A web process that serves predictions never loads PyTorch (about 500 MB of memory a process): the
backbone runs in ONNX Runtime and a trained head answers with numpy. Only training and export need it, and a
web process builds a download in a child process."""

from __future__ import annotations

import pytest

from classifiers.models import TrainingRun
from classifiers.services.training import training_run_execute
from tests.worker import database_url_of_test_db, manage, process_env

pytestmark = pytest.mark.django_db(transaction=True)

PREDICT_IN_A_FRESH_PROCESS = """
import sys
from classifiers.models import Classifier
from classifiers.services.prediction import predict_images
import nanoweb.urls  # everything a web process imports to route requests
classifier = Classifier.objects.get(id="{classifier_id}")
answer = predict_images(classifier=classifier, images=[open("{photo}", "rb").read()])[0]
print("ANSWER", answer["label"], answer["version"])
print("TORCH LOADED" if "torch" in sys.modules else "NO TORCH")
"""


EXPORT_IN_A_FRESH_PROCESS = """
import io, sys, zipfile
from classifiers.models import Classifier
from classifiers.services.prediction import model_export
import nanoweb.urls
filename, data = model_export(classifier=Classifier.objects.get(id="{classifier_id}"))
print("EXPORT", filename, sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()))
print("LOADED", [name for name in ("torch", "onnx") if name in sys.modules])
"""


def run_in_a_fresh_process(program: str, classifier, settings):
    from django.db import connection

    from tests.classifiers.conftest import photos

    if connection.vendor != "postgresql":
        pytest.skip("the child process shares the test database only on PostgreSQL")
    run = TrainingRun.objects.create(classifier=classifier)
    assert training_run_execute(run_id=run.id).status == "succeeded"
    env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(settings.DATA_DIR))
    code = program.format(classifier_id=classifier.id, photo=photos("clothing", "hat")[13])
    code = f"from django.conf import settings; settings.ARTIFACTS_DIR = {str(settings.ARTIFACTS_DIR)!r}\n" + code
    return manage("shell", "-c", code, env=env)


def test_predicting_in_a_fresh_process_answers_without_loading_pytorch(clothes, settings):
    result = run_in_a_fresh_process(PREDICT_IN_A_FRESH_PROCESS, clothes, settings)
    assert result.returncode == 0, result.stderr
    assert "ANSWER hat 1" in result.stdout
    assert "NO TORCH" in result.stdout


def test_the_onnx_download_is_built_without_loading_pytorch_or_onnx_in_the_web_process(clothes, settings):
    result = run_in_a_fresh_process(EXPORT_IN_A_FRESH_PROCESS, clothes, settings)
    assert result.returncode == 0, result.stderr
    assert "EXPORT clothes-v1.zip ['README.txt', 'labels.json', 'model.onnx']" in result.stdout
    assert "LOADED []" in result.stdout
