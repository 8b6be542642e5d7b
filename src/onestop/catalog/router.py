"""HTTP routes of onestop.catalog."""

from fastapi import APIRouter

router = APIRouter()
