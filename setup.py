"""albert-tf: ALBERT (A Lite BERT) for Keras 3 / TensorFlow."""

import os

from setuptools import find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_pins(name):
    """Requirement lines of requirements/NAME.txt (comments dropped)."""
    with open(os.path.join(HERE, "requirements", f"{name}.txt"), encoding="utf-8") as f:
        return [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]


setup(
    name="albert-tf",
    version="0.1.0",
    description="ALBERT (A Lite BERT) for Keras 3 and TensorFlow: pretrain, fine-tune, "
    "serve with TF Serving, ship to phones with TFLite.",
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11,<3.12",
    packages=find_packages(include=["albert_tf", "albert_tf.*"]),
    install_requires=read_pins("runtime"),
    extras_require={
        # pytest plus the JAX and PyTorch backends for the backend-parity test.
        "test": read_pins("test"),
        # Peers for bench/: installed only on request, never by runtime or tests.
        "bench": read_pins("bench"),
        # Chinese whole-word masking in create-pretraining-data (--segmenter jieba).
        "zh": ["jieba==0.42.1"],
        # transformers + torch for tools/make_hf_albert_fixtures.py: never by runtime or tests.
        "tools": read_pins("tools"),
    },
    entry_points={"console_scripts": ["albert-tf=albert_tf.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3.11",
        "License :: OSI Approved :: Apache Software License",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
