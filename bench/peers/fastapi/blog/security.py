"""Bearer JWTs with PyJWT, as in FastAPI's "OAuth2 with Password, Bearer with JWT tokens"."""
import base64
import datetime as dt
import hashlib
import hmac
import os

import jwt
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from . import models
from .database import get_db

SECRET_KEY = os.environ.get("JWT_SECRET", "bench-secret-bench-secret-bench-secret")
ALGORITHM = "HS256"
TOKEN_LIFETIME = dt.timedelta(days=7)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="auth/login")


def verify_password(password: str, encoded: str) -> bool:
    """The users table stores Django's pbkdf2_sha256 hashes (the Django peer shares the data)."""
    algorithm, iterations, salt, digest = encoded.split("$", 3)
    if algorithm != "pbkdf2_sha256":
        return False
    computed = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations))
    return hmac.compare_digest(base64.b64encode(computed).decode(), digest)


def create_access_token(user_id: int) -> str:
    expire = dt.datetime.utcnow() + TOKEN_LIFETIME
    return jwt.encode({"sub": str(user_id), "exp": expire}, SECRET_KEY, algorithm=ALGORITHM)


def get_current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_db)) -> models.User:
    unauthorized = HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                                 detail="Could not validate credentials",
                                 headers={"WWW-Authenticate": "Bearer"})
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])
        user_id = int(payload["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise unauthorized
    user = db.get(models.User, user_id)
    if user is None:
        raise unauthorized
    return user
