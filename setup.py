"""Packaging hook: the wheel carries the project's data (ontology, graph, queries) as
``mmkg/data/`` so an installed mmkg works from any directory. Everything else about the
package is declared in pyproject.toml."""

from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = ("ontology", "graph", "queries")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        here = Path(__file__).parent
        target = Path(self.build_lib) / "mmkg" / "data"
        for name in DATA:
            source = here / name
            if source.is_dir():
                shutil.rmtree(target / name, ignore_errors=True)
                shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("*.conflict", ".*"))


setup(cmdclass={"build_py": BuildWithData})
