"""Storage: SQLAlchemy 2 tables, Alembic migrations, one repository module per aggregate.

SQLite is the embedded default; PostgreSQL (psycopg 3) is the production store. Every query here
runs on both.
"""
