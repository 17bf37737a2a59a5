" autoload/hypencoder/search.vim - searches: the "search" request (one at a time, a new one
" cancels the one still running), the fallback to the working directory's workspace, and
" the results in the quickfix list. Where to search is hypencoder#search()'s choice.

let s:save_cpo = &cpo
set cpo&vim

" The search part of hypencoder#status(): the running search, the last one ended, and the
" replies of those superseded.
let s:state = {
      \ 'search': {},
      \ 'last_search': {},
      \ 'superseded': [],
      \ }

function! hypencoder#search#state() abort
  return deepcopy(s:state)
endfunction

" The id of the running search, if any (for :HypencoderCancel).
function! hypencoder#search#running_ids() abort
  return empty(s:state.search) ? [] : [s:state.search.id]
endfunction

function! s:results() abort
  let k = str2nr(hypencoder#ui#option('results', 20))
  return k < 1 ? 20 : (k > 10000 ? 10000 : k)
endfunction

" Searches the indexed workspace containing scope for query; when there is none, the one
" containing fallback (unless ''). A new search supersedes the running one, which is
" cancelled ($/cancelRequest).
function! hypencoder#search#start(query, scope, fallback) abort
  if !empty(s:state.search)
    call hypencoder#rpc#cancel(s:state.search.id)
    let s:state.search = {}
  endif
  let params = {'query': a:query, 'workspace': a:scope, 'k': s:results(), 'include': ['text']}
  try
    let id = hypencoder#rpc#request('search', params,
          \ function('s:on_search', [a:query, a:scope, a:fallback]))
  catch /^hypencoder:/
    let s:state.last_search = {'query': a:query, 'workspace': a:scope,
          \ 'error': {'message': substitute(v:exception, '^hypencoder:\s*', '', '')}}
    call hypencoder#ui#error(s:state.last_search.error.message)
    return
  endtry
  let s:state.search = {'id': id, 'query': a:query, 'workspace': a:scope}
  call hypencoder#ui#progress('searching for "' . a:query . '"')
endfunction

function! s:on_search(query, scope, fallback, response) abort
  if empty(s:state.search) || s:state.search.id != a:response.id
    " Superseded by a newer search: its reply (normally the -32800 of the cancellation)
    " changes nothing.
    call add(s:state.superseded, {'id': a:response.id, 'query': a:query,
          \ 'error': get(a:response, 'error', v:null)})
    return
  endif
  let s:state.search = {}
  if has_key(a:response, 'error')
    let error = a:response.error
    let data = get(error, 'data', {})
    if type(data) == v:t_dict && get(data, 'path', '') ==# 'params.workspace' && !empty(a:fallback)
      " The current file is in no indexed workspace: try the working directory.
      call hypencoder#search#start(a:query, a:fallback, '')
      return
    endif
    let s:state.last_search = {'query': a:query, 'workspace': a:scope, 'error': error}
    if get(error, 'code', 0) == g:hypencoder#rpc#CANCELLED
      call hypencoder#ui#info('search cancelled')
    elseif type(data) == v:t_dict && get(data, 'path', '') ==# 'params.workspace'
      call hypencoder#ui#error(hypencoder#rpc#error_text(error)
            \ . ' (:HypencoderIndex [dir] indexes a workspace)')
    else
      call hypencoder#ui#error('search failed: ' . hypencoder#rpc#error_text(error))
    endif
    call hypencoder#ui#fire('HypencoderSearchDone')
    return
  endif
  let hits = get(a:response.result, 'results', [])
  let items = map(copy(hits), 's:quickfix_item(v:val)')
  call setqflist([], ' ', {'title': 'Hypencoder: ' . a:query, 'items': items,
        \ 'context': {'hypencoder': {'query': a:query, 'workspace': a:scope}}})
  let s:state.last_search = {'query': a:query, 'workspace': a:scope,
        \ 'results': map(copy(hits), 'filter(copy(v:val), "v:key !=# ''text''")')}
  if empty(items)
    call hypencoder#ui#info('nothing found for "' . a:query . '"')
  else
    call hypencoder#ui#progress(printf('%d results for "%s"', len(items), a:query))
    call s:open_quickfix()
  endif
  call hypencoder#ui#fire('HypencoderSearchDone')
endfunction

" ---------------------------------------------------------------------------------------
" Quickfix list

" file, line and a one-line snippet: the passage's first non-blank line (and where it is).
function! s:quickfix_item(hit) abort
  let text = get(a:hit, 'text', '')
  let lines = type(text) == v:t_string ? split(text, "\n", 1) : []
  let offset = index(map(copy(lines), 'v:val =~# "\\S"'), 1)
  let snippet = offset < 0 ? '' : trim(lines[offset])
  if strchars(snippet) > 200
    let snippet = strcharpart(snippet, 0, 200) . '...'
  endif
  let line = get(a:hit, 'line', v:null)
  let end_line = get(a:hit, 'endLine', v:null)
  let path = get(a:hit, 'path', v:null)
  let item = {'text': snippet}
  if type(line) == v:t_number && line > 0
    let item.lnum = line + max([offset, 0])
    if type(end_line) == v:t_number && end_line >= item.lnum
      let item.end_lnum = end_line
    endif
  endif
  if type(path) == v:t_string && !empty(path)
    let item.filename = path
  else
    let item.text = '[' . get(a:hit, 'id', '?') . '] ' . snippet
    let item.valid = 0
  endif
  return item
endfunction

function! s:open_quickfix() abort
  let how = hypencoder#ui#option('open_quickfix', 1)
  if !how
    return
  endif
  let window = win_getid()
  try
    botright copen
    if how != 2
      call win_gotoid(window)
    endif
  catch
    " e.g. in the command-line window: the list is filled all the same
  endtry
endfunction

let &cpo = s:save_cpo
unlet s:save_cpo
