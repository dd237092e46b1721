"""The transparency report: a static site (HTML, one CSS file, inline SVG charts) built from
:mod:`bot.services.report`, written by `accord report` and served by `accord serve`."""
