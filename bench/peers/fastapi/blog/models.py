import datetime as dt

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text

from .database import Base


def utcnow():
    return dt.datetime.utcnow()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(254), unique=True, nullable=False)
    name = Column(String(255), nullable=False, default="")
    password = Column(String(128), nullable=False)
    created = Column(DateTime, nullable=False, default=utcnow)
    updated = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("posts_author_created", "author_id", "created"),
                      Index("posts_published_created", "published", "created"))
    id = Column(Integer, primary_key=True)
    title = Column(String(255), nullable=False)
    body = Column(Text, nullable=False, default="")
    views = Column(Integer, nullable=False, default=0)
    published = Column(Boolean, nullable=False, default=False)
    author_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    created = Column(DateTime, nullable=False, default=utcnow, index=True)
    updated = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (Index("notes_author_created", "author_id", "created"),)
    id = Column(Integer, primary_key=True)
    title = Column(String(255), nullable=False)
    body = Column(Text, nullable=False, default="")
    author_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    created = Column(DateTime, nullable=False, default=utcnow)
    updated = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
