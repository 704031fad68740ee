import datetime as dt
from typing import List

from pydantic import BaseModel, Field, constr


class PostCreate(BaseModel):
    title: constr(min_length=1, max_length=255)
    body: str = ""
    views: int = Field(0, ge=0)
    published: bool = False
    author: int


class PostOut(BaseModel):  # `author` on the wire, `author_id` in the ORM
    id: int
    title: str
    body: str
    views: int
    published: bool
    author: int = Field(alias="author_id")
    created: dt.datetime
    updated: dt.datetime

    class Config:
        orm_mode = True
        allow_population_by_field_name = True


class NoteOut(BaseModel):
    id: int
    title: str
    body: str
    author: int = Field(alias="author_id")
    created: dt.datetime
    updated: dt.datetime

    class Config:
        orm_mode = True
        allow_population_by_field_name = True


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    created: dt.datetime
    updated: dt.datetime

    class Config:
        orm_mode = True


class PostPage(BaseModel):
    items: List[PostOut]
    page: int
    perPage: int
    totalItems: int
    totalPages: int


class NotePage(BaseModel):
    items: List[NoteOut]
    page: int
    perPage: int
    totalItems: int
    totalPages: int


class Login(BaseModel):
    email: str
    password: str


class AuthOut(BaseModel):
    token: str
    record: UserOut
