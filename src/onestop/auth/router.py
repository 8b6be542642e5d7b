"""HTTP routes of onestop.auth."""

from fastapi import APIRouter

router = APIRouter()
