"""The bare ceiling for write endpoints: FastAPI, one SQLModel insert into PostgreSQL, nothing
else (no auth, no outbox, no events). ``uvicorn bare_app:app`` with ``BARE_DATABASE_URL``."""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import Field, SQLModel


class Item(SQLModel, table=True):
    __tablename__ = "bare_items"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=300)
    kind: str = Field(max_length=32)


class ItemIn(BaseModel):
    name: str
    kind: str


engine = create_async_engine(os.environ["BARE_DATABASE_URL"], pool_size=10)
sessions = async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def lifespan(app: FastAPI):
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.post("/items", status_code=201)
async def create_item(data: ItemIn) -> Item:
    async with sessions() as session:
        item = Item(name=data.name, kind=data.kind)
        session.add(item)
        await session.commit()
        return item
