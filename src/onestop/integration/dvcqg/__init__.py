"""Synchronisation with the national public-service portal (Cổng Dịch vụ công quốc gia, DVCQG):
request bodies (``payload``), HTTP and OAuth (``client``), the destination (``destination``)."""
