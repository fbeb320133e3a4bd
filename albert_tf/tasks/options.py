"""Each task's own options, declared once: the command line makes its flags from them
(``albert_tf/cli/finetune.py``) and ``task_options`` gives their defaults to Python callers,
so every default lives in one place and no argparse enters the library."""

from __future__ import annotations

import dataclasses

COMMANDS = ("finetune", "evaluate", "predict")


@dataclasses.dataclass(frozen=True)
class Option:
    """One task option.

    Args:
        name: its attribute name; the flag is ``--`` + name with dashes.
        help: the flag's help text.
        commands: the commands that take it.
        default: its default, or ``{command: default}`` (commands not named: None).
        type: ``int``, ``float`` or ``str``; ``bool`` makes an on/off switch (default False).
        choices: the values allowed.
    """

    name: str
    help: str
    commands: tuple = COMMANDS
    default: object = None
    type: type = str
    choices: tuple | None = None

    def default_for(self, command):
        if isinstance(self.default, dict):
            return self.default.get(command)
        return False if self.type is bool and self.default is None else self.default

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")
