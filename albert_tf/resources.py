"""Where the repository's shared folders are: configs/, tfrecords/, saved_models/."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def configs_dir() -> str:
    """The ``configs/`` folder shipped beside the package."""
    return os.path.join(REPO_ROOT, "configs")


def config_path(name: str) -> str:
    """Path of a bundled config by short name (``albert_base_v2``) or a file path."""
    if os.path.exists(name):
        return name
    bundled = os.path.join(configs_dir(), name if name.endswith(".json") else name + ".json")
    # A path that is nowhere is reported as given, not under configs/.
    return bundled if os.path.exists(bundled) else name


# Published parameter counts (embeddings + encoder + pooler), from the ALBERT
# paper's Table 1 as counted by the reference implementation.
PUBLISHED_PARAMETERS = {
    "albert_base_v2": 11_683_584,
    "albert_large_v2": 17_683_968,
    "albert_xlarge_v2": 58_724_864,
    "albert_xxlarge_v2": 222_595_584,
}
