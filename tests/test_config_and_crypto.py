"""Settings from the environment and secrets at rest."""

import pytest
from cryptography.fernet import Fernet

from cwqbo import create_app
from cwqbo.config import ConfigError, load_config
from cwqbo.crypto import SecretBox, SecretError


def test_production_refuses_to_start_without_secrets(tmp_path):
    with pytest.raises(ConfigError, match="without SECRET_KEY and ENCRYPTION_KEY"):
        load_config({"CWQBO_ENV": "production"}, tmp_path)
    with pytest.raises(ConfigError, match="without ENCRYPTION_KEY") as info:
        load_config({"CWQBO_ENV": "production", "SECRET_KEY": "x" * 40}, tmp_path)
    assert "SECRET_KEY" not in str(info.value)
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_secrets_once_and_keeps_them(tmp_path):
    first = load_config({}, tmp_path)
    second = load_config({}, tmp_path)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) >= 32
    assert first["ENCRYPTION_KEYS"] == second["ENCRYPTION_KEYS"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    Fernet(first["ENCRYPTION_KEYS"][0].encode())  # a usable key


def test_database_url_defaults_and_heroku_spelling(tmp_path):
    assert load_config({}, tmp_path)["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{tmp_path / 'cwqbo.sqlite3'}"
    )
    url = load_config({"DATABASE_URL": "postgres://u:p@db.example:5432/cw"}, tmp_path)
    assert url["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/cw"


def test_redis_url_defaults_to_the_embedded_socket(tmp_path):
    config = load_config({}, tmp_path)
    assert config["REDIS_URL"] == f"unix://{tmp_path / 'valkey' / 'valkey.sock'}"
    assert config["EMBEDDED_REDIS"] is True
    assert load_config({"REDIS_URL": "redis://r:6379/0"}, tmp_path)["EMBEDDED_REDIS"] is False


def test_bad_values_are_named(tmp_path):
    with pytest.raises(ConfigError, match="MAIL_PORT must be a whole number"):
        load_config({"MAIL_PORT": "twenty-five"}, tmp_path)
    with pytest.raises(ConfigError, match="CWQBO_ENV must be"):
        load_config({"CWQBO_ENV": "staging"}, tmp_path)


def test_create_app_does_not_touch_the_network(tmp_path):
    # A Redis that does not exist: building the app must still work (no calls at start-up).
    app = create_app(
        {"ENV_VARS": {}, "INSTANCE_PATH": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    assert app.config["REDIS_URL"].endswith(":1/0")


def test_secret_box_round_trip_and_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = SecretBox([old]).encrypt("private-key-123")
    assert "private-key-123" not in stored
    rotated_box = SecretBox([new, old])  # new key first, old kept for reading
    assert rotated_box.decrypt(stored) == "private-key-123"
    rotated = rotated_box.rotate(stored)
    assert SecretBox([new]).decrypt(rotated) == "private-key-123"
    with pytest.raises(SecretError, match="Put the old key after the new one"):
        SecretBox([new]).decrypt(stored)


def test_secret_box_rejects_malformed_keys():
    with pytest.raises(SecretError, match="Fernet keys"):
        SecretBox(["not-a-key"])


def test_passwords_are_hashed_with_full_scrypt_unless_configured(tmp_path):
    """The product hashes with werkzeug's scrypt at its full cost by default; PASSWORD_HASH
    (which the tests lower) is honoured, and a method werkzeug cannot use is refused."""
    from cwqbo.models.user import User

    assert load_config({}, tmp_path)["PASSWORD_HASH"] == "scrypt"
    app = create_app({"ENV_VARS": {}, "INSTANCE_PATH": str(tmp_path), "TESTING": True})
    with app.app_context():
        user = User(email="a@example.com", name="A")
        user.set_password("correct horse battery")
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert user.check_password("correct horse battery")
    cheap = create_app(
        {"ENV_VARS": {"PASSWORD_HASH": "scrypt:1024:8:1"}, "INSTANCE_PATH": str(tmp_path)}
    )
    with cheap.app_context():
        user.set_password("correct horse battery")
        assert user.password_hash.startswith("scrypt:1024:8:1$")
    for bad in ("md5", "scrypt:abc", "pbkdf2:nope"):
        with pytest.raises(ConfigError, match="PASSWORD_HASH must be"):
            load_config({"PASSWORD_HASH": bad}, tmp_path)
