"""Issue #8 peer: the blog API on FastAPI + SQLAlchemy 1.4 (sync sessions, FastAPI's tutorial
layout), served by uvicorn with one worker per core."""
import math
from typing import Literal, Optional

from fastapi import Depends, FastAPI, HTTPException, Query, status
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import models, schemas
from .database import get_db
from .security import create_access_token, get_current_user, verify_password

app = FastAPI(title="blog")


def paginate(query, order_by, page: int, per_page: int):
    total = query.count()
    items = query.order_by(order_by).offset((page - 1) * per_page).limit(per_page).all()
    return dict(items=items, page=page, perPage=per_page, totalItems=total,
                totalPages=math.ceil(total / per_page))


@app.get("/posts/{post_id}", response_model=schemas.PostOut, response_model_by_alias=False)
def read_post(post_id: int, db: Session = Depends(get_db)):
    post = db.get(models.Post, post_id)
    if post is None:
        raise HTTPException(status_code=404, detail="Post not found")
    return post


@app.get("/posts", response_model=schemas.PostPage, response_model_by_alias=False)
def list_posts(published: Optional[bool] = None, views_gt: Optional[int] = None,
               author: Optional[int] = None, sort: Literal["created", "-created"] = "-created",
               page: int = Query(1, ge=1), perPage: int = Query(30, ge=1, le=500),
               db: Session = Depends(get_db)):
    query = db.query(models.Post)
    if published is not None:
        query = query.filter(models.Post.published == published)
    if views_gt is not None:
        query = query.filter(models.Post.views > views_gt)
    if author is not None:
        query = query.filter(models.Post.author_id == author)
    order = models.Post.created.desc() if sort == "-created" else models.Post.created.asc()
    return paginate(query, order, page, perPage)


@app.post("/posts", response_model=schemas.PostOut, response_model_by_alias=False,
          status_code=status.HTTP_201_CREATED)
def create_post(data: schemas.PostCreate, db: Session = Depends(get_db)):
    post = models.Post(title=data.title, body=data.body, views=data.views,
                       published=data.published, author_id=data.author)
    db.add(post)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise HTTPException(status_code=400, detail="Unknown author")
    db.refresh(post)
    return post


@app.post("/auth/login", response_model=schemas.AuthOut)
def login(data: schemas.Login, db: Session = Depends(get_db)):
    user = db.query(models.User).filter(models.User.email == data.email).first()
    if user is None or not verify_password(data.password, user.password):
        raise HTTPException(status_code=400, detail="Failed to authenticate.")
    return {"token": create_access_token(user.id), "record": user}


@app.post("/auth/refresh", response_model=schemas.AuthOut)
def refresh(user: models.User = Depends(get_current_user)):
    return {"token": create_access_token(user.id), "record": user}


@app.get("/notes", response_model=schemas.NotePage, response_model_by_alias=False)
def list_notes(page: int = Query(1, ge=1), perPage: int = Query(30, ge=1, le=500),
               user: models.User = Depends(get_current_user), db: Session = Depends(get_db)):
    query = db.query(models.Note).filter(models.Note.author_id == user.id)
    return paginate(query, models.Note.created.desc(), page, perPage)
