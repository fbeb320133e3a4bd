"""The help formatter of the commands whose flags show their defaults."""

import argparse


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: X)" to a flag's help unless the help already names its default, or
    the default is nothing (None, False: an unset flag)."""

    def _get_help_string(self, action):
        if "default" in (action.help or "").lower() or action.default in (None, False):
            return action.help
        return super()._get_help_string(action)
