python -m pytest -q && ! grep -rqw render --include=*.py . && python -c 'import mailer; from mailer import render_template; assert "render_template" in mailer.__all__'
