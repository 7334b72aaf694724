from cwqbo import create_app

app = create_app()
