" autoload/hypencoder/index.vim - indexing: "workspace/index" with its $/progress on the
" command line and a summary at the end, and "workspace/update" of saved files.

let s:save_cpo = &cpo
set cpo&vim

let s:token_count = 0
let s:update_unsupported = 0

" The indexing part of hypencoder#status(): the running indexings (workDoneToken -> {id,
" root, title}), the last ended, the last update, how many updates were sent, and the
" $/progress notifications received.
let s:state = {
      \ 'indexing': {},
      \ 'last_index': {},
      \ 'last_update': {},
      \ 'updates': 0,
      \ 'progress': [],
      \ }

function! hypencoder#index#state() abort
  return deepcopy(s:state)
endfunction

" The ids of the running indexings (for :HypencoderCancel).
function! hypencoder#index#running_ids() abort
  return map(values(s:state.indexing), 'v:val.id')
endfunction

function! s:count(dict, key) abort
  let value = type(a:dict) == v:t_dict ? get(a:dict, a:key, 0) : 0
  return type(value) == v:t_number ? value : 0
endfunction

" ---------------------------------------------------------------------------------------
" Index

" Indexes the directory root (absolute), unless it is being indexed already.
function! hypencoder#index#start(root) abort
  for job in values(s:state.indexing)
    if job.root ==# a:root
      call hypencoder#ui#info('already indexing ' . a:root)
      return
    endif
  endfor
  let s:token_count += 1
  let token = printf('hypencoder-%d-%d', getpid(), s:token_count)
  try
    let id = hypencoder#rpc#request('workspace/index', {'root': a:root, 'workDoneToken': token},
          \ function('s:on_index', [a:root, token]))
  catch /^hypencoder:/
    let s:state.last_index = {'root': a:root,
          \ 'error': {'message': substitute(v:exception, '^hypencoder:\s*', '', '')}}
    call hypencoder#ui#error(s:state.last_index.error.message)
    return
  endtry
  let s:state.indexing[token] = {'id': id, 'root': a:root, 'title': 'indexing ' . a:root}
  call hypencoder#ui#progress('indexing ' . a:root . ' ...')
endfunction

" Every $/progress notification (hypencoder.vim registers this with rpc.vim); those of a
" running indexing are shown.
function! hypencoder#index#on_progress(params) abort
  if type(a:params) != v:t_dict
    return
  endif
  let token = get(a:params, 'token', '')
  let value = get(a:params, 'value', {})
  call add(s:state.progress, {'token': token, 'value': value})
  if len(s:state.progress) > 200
    call remove(s:state.progress, 0)
  endif
  if type(token) != v:t_string || !has_key(s:state.indexing, token) || type(value) != v:t_dict
    return
  endif
  let job = s:state.indexing[token]
  let kind = get(value, 'kind', '')
  if kind ==# 'begin'
    call hypencoder#ui#progress(job.title)
  elseif kind ==# 'report'
    let message = job.title
    if !empty(get(value, 'message', ''))
      let message .= ': ' . value.message
    endif
    if type(get(value, 'percentage', v:null)) == v:t_number
      let message .= ' (' . value.percentage . '%)'
    endif
    call hypencoder#ui#progress(message)
  endif
endfunction

" One line saying what a workspace/index result did.
function! hypencoder#index#summary(result) abort
  let files = get(a:result, 'files', {})
  let passages = get(a:result, 'passages', {})
  let skipped = get(a:result, 'skipped', {})
  let names = [['ignored', 'ignored'], ['hidden', 'hidden'], ['binary', 'binary'],
        \ ['tooLarge', 'too large'], ['unreadable', 'unreadable']]
  let skips = []
  for [key, name] in names
    if s:count(skipped, key) > 0
      call add(skips, s:count(skipped, key) . ' ' . name)
    endif
  endfor
  let elapsed = get(a:result, 'elapsedMs', 0)
  let seconds = type(elapsed) == v:t_number || type(elapsed) == v:t_float ? elapsed / 1000.0 : 0.0
  return printf('indexed %s in %.1f s: %d files indexed, %d unchanged, %d removed; '
        \ . '%d passages added, %d removed; skipped %s',
        \ get(a:result, 'root', '?'), seconds,
        \ s:count(files, 'indexed'), s:count(files, 'unchanged'), s:count(files, 'removed'),
        \ s:count(passages, 'added'), s:count(passages, 'removed'),
        \ empty(skips) ? 'none' : join(skips, ', '))
endfunction

function! s:on_index(root, token, response) abort
  if has_key(s:state.indexing, a:token)
    call remove(s:state.indexing, a:token)
  endif
  if has_key(a:response, 'error')
    let s:state.last_index = {'root': a:root, 'error': a:response.error}
    if get(a:response.error, 'code', 0) == g:hypencoder#rpc#CANCELLED
      call hypencoder#ui#info('indexing ' . a:root
            \ . ' cancelled (files finished before stay indexed)')
    else
      call hypencoder#ui#error('indexing ' . a:root . ' failed: '
            \ . hypencoder#rpc#error_text(a:response.error))
    endif
  else
    let result = a:response.result
    let s:state.last_index = {'root': a:root, 'result': result}
    call hypencoder#ui#info(hypencoder#index#summary(type(result) == v:t_dict ? result : {}))
  endif
  call hypencoder#ui#fire('HypencoderIndexDone')
endfunction

" ---------------------------------------------------------------------------------------
" Update

" Re-indexes the file at path in whichever indexed workspace contains it (a file in none is
" ignored by the daemon). Silent unless something fails; never complains about a missing
" daemon, nor again about one without workspace/update.
function! hypencoder#index#update(path) abort
  if s:update_unsupported
    return
  endif
  if !hypencoder#rpc#is_open() && getftype(hypencoder#rpc#socket_path()) !=# 'socket'
    return
  endif
  try
    call hypencoder#rpc#request('workspace/update', {'paths': [a:path]},
          \ function('s:on_update', [a:path]))
    let s:state.updates += 1
  catch /^hypencoder:/
  endtry
endfunction

function! s:on_update(path, response) abort
  if has_key(a:response, 'error')
    let s:state.last_update = {'path': a:path, 'error': a:response.error}
    let code = get(a:response.error, 'code', 0)
    if code == g:hypencoder#rpc#METHOD_NOT_FOUND
      let s:update_unsupported = 1
      call hypencoder#ui#warn('this hypencoderd has no workspace/update: '
            \ . 'saved files are not re-indexed')
    elseif code != g:hypencoder#rpc#CANCELLED && code != g:hypencoder#rpc#CONNECTION_LOST
      call hypencoder#ui#warn('re-indexing ' . a:path . ' failed: '
            \ . hypencoder#rpc#error_text(a:response.error))
    endif
    return
  endif
  let s:state.last_update = {'path': a:path, 'result': a:response.result}
  if hypencoder#ui#option('verbose', 0) && s:count(get(a:response.result, 'files', {}), 'indexed') > 0
    call hypencoder#ui#info('re-indexed ' . fnamemodify(a:path, ':~:.'))
  endif
endfunction

let &cpo = s:save_cpo
unlet s:save_cpo
