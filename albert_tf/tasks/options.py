"""Each task's own options, declared once: the command line makes its flags from them
(``albert_tf/cli/finetune.py``) and ``options_class`` makes a typed dataclass of them per
command (``tasks.base.task_options`` gives an instance to Python callers), so every
default lives in one place and no argparse enters the library."""

from __future__ import annotations

import dataclasses
import functools

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


@functools.lru_cache(maxsize=None)
def options_class(task: str, command: str) -> type:
    """The frozen dataclass of the options ``command`` takes for ``task``, typed and with
    their defaults, for example ``SquadFinetuneOptions(version="auto", doc_stride=128, ...)``."""
    from albert_tf.tasks import registry

    fields = []
    for option in registry.task(task).OPTIONS:
        if command in option.commands:
            kind = option.type if option.default_for(command) is not None else (
                option.type | None)
            fields.append((option.name, kind,
                           dataclasses.field(default=option.default_for(command))))
    name = f"{task.title()}{command.title()}Options"
    return dataclasses.make_dataclass(name, fields, frozen=True)


def checked(option: Option, value):
    """``value`` if it suits ``option`` (its type, its choices), else ``TypeError``."""
    if value is None or option.type is str and isinstance(value, str):
        ok = True
    elif option.type is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    else:
        ok = isinstance(value, option.type) and (option.type is bool
                                                  or not isinstance(value, bool))
    if not ok:
        raise TypeError(f"option {option.name!r} takes {option.type.__name__}, "
                        f"got {value!r}")
    if option.choices and value is not None and value not in option.choices:
        raise TypeError(f"option {option.name!r} is one of {', '.join(map(str, option.choices))}"
                        f", got {value!r}")
    return value

