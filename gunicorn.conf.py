# gunicorn reads ./gunicorn.conf.py when started from this directory without -c: the same
# configuration as ``gunicorn -c python:kineco2.gunicorn_conf`` (src/kineco2/gunicorn_conf.py).
from kineco2.gunicorn_conf import *  # noqa: F403
