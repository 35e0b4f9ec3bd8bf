"""The app boundary: the registry (projects) imports nothing from supervision, and core imports
neither app. The contracts live in pyproject.toml ([tool.importlinter]); this runs them."""

import subprocess
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sysconfig.get_path("scripts")) / "lint-imports"


def test_projects_and_core_keep_to_their_side_of_the_app_boundary():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
