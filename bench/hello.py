"""The ceiling: a Flask hello-world, served with the same gunicorn settings as Relief."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
