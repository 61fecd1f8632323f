"""Chinese full-text search: everything that is not HTTP.

Data flows one way: files → documents → sections → analyzer → index → searcher → views.
The public API below is all the web layer uses.
"""

from .config import (
    default_index_dir, default_seeds_dir, folder_argument, interruptible, seeds_for,
)
from .failures import chinese as failure_in_chinese
from .indexing import (
    UpdateReport,
    IndexBusyError,
    IndexHandle,
    IndexBuildError,
    IndexWriteError,
    IndexLocationError,
    IndexMissingError,
    IndexOutdatedError,
    SeedsEmptyError,
    SeedsUnreadableError,
    update,
    is_current,
    open_index,
    read_meta,
    recorded_seeds,
)
from .highlight import mark_matches
from .index_status import IndexStatus, index_status
from .storage import IndexDamagedError, raised_reading_index
from .progress import make_progress, print_report
from .query import MAX_QUERY_CHARS, ParsedQuery, QueryError, parse_query
from .searcher import (
    CONCORDANCE_SORTS,
    MAX_CONCORDANCE,
    MAX_PER_PAGE,
    SEARCH_BUDGET_S,
    Concordance,
    DocumentCount,
    Facets,
    FacetValue,
    Filters,
    Occurrence,
    DocumentSummary,
    DocumentView,
    Hit,
    NotFoundError,
    Page,
    SearchSession,
)
from .sections import INTRO_TITLE
from .sources import DocumentError

__all__ = [
    "Concordance", "CONCORDANCE_SORTS", "DocumentCount", "DocumentError", "mark_matches", "FacetValue", "Facets", "Filters", "MAX_CONCORDANCE",
    "Occurrence", "DocumentSummary", "DocumentView", "Hit", "IndexBusyError",
    "INTRO_TITLE", "IndexHandle", "IndexStatus", "index_status", "IndexBuildError", "IndexLocationError", "IndexWriteError", "IndexMissingError", "IndexOutdatedError", "IndexDamagedError", "SeedsEmptyError", "SeedsUnreadableError", "MAX_PER_PAGE", "MAX_QUERY_CHARS",
    "NotFoundError", "Page", "ParsedQuery", "QueryError", "SEARCH_BUDGET_S", "SearchSession", "UpdateReport", "update",
    "default_index_dir", "default_seeds_dir", "folder_argument", "interruptible", "seeds_for", "failure_in_chinese", "is_current", "open_index", "parse_query",
    "read_meta", "recorded_seeds", "make_progress", "print_report", "raised_reading_index",
]
